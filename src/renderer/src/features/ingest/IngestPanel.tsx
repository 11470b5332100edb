export function IngestPanel(_props: { collectionId: string; onDone: () => void }) {
  return null
}
