import { useState } from 'react'
import { Alert, Badge, Card, Group, Loader, Select, Stack, Text, UnstyledButton } from '@mantine/core'
import { useQuery } from '@tanstack/react-query'
import type { Filter } from '../../../../shared/contract'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { plural } from '../../lib/format'
import { activeFacetValue, type FacetValue } from './facet-filter'

const TOP = 10

/**
 * Beside the records table: pick a metadata key, see its most frequent values among the records the
 * table's filters select (and the range of its numbers); a click on a value filters the table by it,
 * a second click clears that condition.
 */
export function FacetPanel({
  collectionId,
  where,
  whereDocument,
  onToggle
}: {
  collectionId: string
  where: Filter | null
  whereDocument: Filter | null
  onToggle: (key: string, value: FacetValue) => void
}) {
  const transport = useTransport()
  const [key, setKey] = useState<string | null>(null)
  // Summarizing the keys reads every metadata row: only once the user opens the picker.
  const [wantKeys, setWantKeys] = useState(false)
  const keys = useQuery({
    queryKey: queryKeys.collections.metadataKeys(collectionId),
    queryFn: () => transport.call('collections.metadataKeys', { id: collectionId }),
    enabled: wantKeys
  })
  const params = { key: key ?? '', where, whereDocument, limit: TOP }
  const facets = useQuery({
    queryKey: queryKeys.records.facets(collectionId, params),
    queryFn: () => transport.call('records.facets', { collectionId, ...params }),
    enabled: key !== null,
    retry: false
  })
  const active = key === null ? undefined : activeFacetValue(where, key)
  const data = facets.data

  return (
    <Card withBorder padding="sm" w={260} style={{ flex: '0 0 260px' }} data-testid="facet-panel">
      <Stack gap="xs">
        <Select
          label="Facets"
          placeholder={keys.data?.length === 0 ? 'No metadata keys' : 'Pick a metadata key'}
          data={(keys.data ?? []).map((k) => k.key)}
          value={key}
          onChange={setKey}
          onDropdownOpen={() => setWantKeys(true)}
          nothingFoundMessage={keys.isPending ? 'Loading keys…' : 'No such key'}
          searchable
          clearable
          size="xs"
          data-testid="facet-key"
        />
        {facets.isFetching && !data && <Loader size="xs" />}
        {facets.isError && (
          <Alert color="yellow" p="xs" data-testid="facet-error">
            <Text size="xs">{facets.error.message}</Text>
          </Alert>
        )}
        {key !== null && data && (
          <>
            <Text size="xs" c="dimmed" data-testid="facet-summary">
              {plural(data.records)} · {data.distinct.toLocaleString()} distinct
            </Text>
            {data.min !== null && data.max !== null && (
              <Text size="xs" data-testid="facet-range" data-min={data.min} data-max={data.max}>
                min {data.min.toLocaleString()} · max {data.max.toLocaleString()}
              </Text>
            )}
            <Stack gap={2} data-testid="facet-values">
              {data.values.map(({ value, count }) => {
                const on = active === value
                return (
                  <UnstyledButton
                    key={`${typeof value}:${String(value)}`}
                    onClick={() => onToggle(key, value)}
                    aria-pressed={on}
                    title={on ? 'Click to clear this filter' : `Show only ${key} = ${JSON.stringify(value)}`}
                    data-testid="facet-value"
                    data-value={String(value)}
                    data-active={on}
                    px={6}
                    py={2}
                    style={{
                      borderRadius: 4,
                      background: on ? 'var(--mantine-color-blue-light)' : undefined
                    }}
                  >
                    <Group justify="space-between" wrap="nowrap" gap="xs">
                      <Text size="sm" truncate fw={on ? 600 : undefined}>
                        {typeof value === 'string' ? value : JSON.stringify(value)}
                      </Text>
                      <Badge size="sm" variant={on ? 'filled' : 'light'} data-testid="facet-count">
                        {count.toLocaleString()}
                      </Badge>
                    </Group>
                  </UnstyledButton>
                )
              })}
              {data.values.length === 0 && (
                <Text size="xs" c="dimmed">
                  No matching record has this key.
                </Text>
              )}
            </Stack>
          </>
        )}
      </Stack>
    </Card>
  )
}
