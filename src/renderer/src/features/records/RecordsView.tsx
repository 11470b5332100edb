export function RecordsView(_props: { collectionId: string }) {
  return null
}
