export function CollectionHeader(_props: { collectionId: string; onDeleted: () => void }) {
  return null
}
