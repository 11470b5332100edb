import { Autocomplete, Stack, Text } from '@mantine/core'
import { useDebouncedValue } from '@mantine/hooks'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import type { RecordRow } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { recordLabel } from '../records/record-label'

const MATCHES = 8

/**
 * Picks the record for "Similar to record": typing searches the documents (and an exact id), so an
 * ingested chunk is found by its words rather than by a 66-character id.
 */
export function RecordPicker({
  collectionId,
  value,
  onChange,
  onSubmit,
  error
}: {
  collectionId: string
  value: string
  onChange: (id: string) => void
  onSubmit: () => void
  error: string | undefined
}) {
  const transport = useTransport()
  const [term] = useDebouncedValue(value.trim(), 250)
  const matches = useQuery({
    queryKey: ['record-picker', collectionId, term],
    queryFn: async (): Promise<RecordRow[]> => {
      const [byId, byText] = await Promise.all([
        transport.call('records.get', { collectionId, ids: [term] }).catch(() => [] as RecordRow[]),
        transport
          .call('records.page', {
            collectionId,
            limit: MATCHES,
            offset: 0,
            whereDocument: { $contains: term },
            documentChars: 80
          })
          .then((page) => page.rows)
          .catch(() => [] as RecordRow[])
      ])
      return [...byId, ...byText.filter((r) => r.id !== term)].slice(0, MATCHES)
    },
    enabled: term.length >= 2,
    placeholderData: keepPreviousData,
    staleTime: 10_000
  })
  const rows = term.length >= 2 ? (matches.data ?? []) : []
  const byId = new Map(rows.map((r) => [r.id, r]))
  return (
    <Autocomplete
      label="Record"
      description="Type words of its document (or its id); finds the records nearest to its stored embedding"
      placeholder="Search the documents"
      value={value}
      onChange={onChange}
      onOptionSubmit={(id) => {
        onChange(id)
      }}
      onKeyDown={(e) => e.key === 'Enter' && byId.has(value) && onSubmit()}
      data={rows.map((r) => r.id)}
      filter={({ options }) => options}
      renderOption={({ option }) => {
        const row = byId.get(option.value)
        return (
          <Stack gap={0} data-testid="record-picker-option">
            <Text size="sm" fw={500} truncate>
              {row ? recordLabel(row.id, row.metadata) : option.value}
            </Text>
            {row?.document && (
              <Text size="xs" c="dimmed" truncate>
                {row.document}
              </Text>
            )}
          </Stack>
        )
      }}
      error={error}
      data-testid="query-similar-id"
    />
  )
}
