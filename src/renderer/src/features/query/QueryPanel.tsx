export function QueryPanel(_props: { collectionId: string }) {
  return null
}
