export function CollectionsSidebar(_props: { selectedId: string | null; onSelect: (id: string | null) => void }) {
  return null
}
