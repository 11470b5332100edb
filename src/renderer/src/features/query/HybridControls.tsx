import { Alert, Button, Group, NumberInput, Stack, Text } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import type { HybridRow, RecordRow } from '../../../../shared/contract'
import { useJobs, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { JobRow } from '../jobs/JobsButton'
import type { ScoreColumn } from '../records/RecordTable'
import { fusionFormula, type Weights } from './hybrid-weights'

/** The hybrid results' score column: the fused score, then each ranking's place (— when not a candidate). */
export const HYBRID_SCORE_COLUMN: ScoreColumn = {
  label: 'Rrf score · ranks',
  width: '170px',
  render: (row: RecordRow) => {
    const h = row as HybridRow
    return `${h.score.toFixed(4)} · ${h.denseRank ?? '—'} · ${h.keywordRank ?? '—'}`
  }
}

/**
 * Weights of the two rankings and Rrf's k, or, for a collection without a keyword index, the
 * button that adds one (an app job, listed under Jobs).
 */
export function HybridControls({
  collectionId,
  keywordKey,
  hasModel,
  nResults,
  value,
  onChange,
  errors
}: {
  collectionId: string
  keywordKey: string | null
  hasModel: boolean
  nResults: number | string
  value: Weights
  onChange: (w: Partial<Weights>) => void
  errors: { dense?: string; keyword?: string; k?: string }
}) {
  const transport = useTransport()
  const enable = useMutation({
    mutationFn: () => transport.call('collections.enableKeywordSearch', { id: collectionId })
  })
  const job = useJobs().data?.find(
    (j) => j.kind === 'keyword-index' && j.collectionId === collectionId && j.state === 'running'
  )
  // Asked again whenever an indexing job starts or ends.
  const status = useQuery({
    queryKey: queryKeys.collections.keywordStatus(collectionId, job?.jobId ?? null),
    queryFn: () => transport.call('collections.keywordStatus', { id: collectionId }),
    enabled: keywordKey !== null
  })
  if (keywordKey === null) {
    return (
      <Alert color="blue" variant="light" title="No keyword index yet" data-testid="hybrid-no-keyword-index">
        <Stack gap="xs">
          <Text size="sm">
            Hybrid search ranks records by meaning (the embedding) and by their words (BM25), then fuses both rankings.
            The words need a keyword index: it is built here from the documents, and kept up to date as records change.
          </Text>
          <Group>
            <Button
              size="xs"
              onClick={() => enable.mutate()}
              loading={enable.isPending}
              data-testid="hybrid-enable-keyword"
            >
              Turn on keyword search
            </Button>
            {enable.isError && (
              <Text size="sm" c="red">
                {enable.error.message}
              </Text>
            )}
          </Group>
        </Stack>
      </Alert>
    )
  }
  return (
    <Stack gap={4}>
      <Group align="flex-start" gap="sm">
        {(
          [
            ['denseWeight', 'Dense weight', hasModel ? 'by meaning' : 'no model: set 0', errors.dense, 'dense'],
            ['keywordWeight', 'Keyword weight', `BM25 on "${keywordKey}"`, errors.keyword, 'keyword']
          ] as const
        ).map(([field, label, description, error, id]) => (
          <NumberInput
            key={field}
            label={label}
            description={description}
            value={value[field]}
            onChange={(v) => onChange({ [field]: v })}
            min={0}
            max={100}
            step={0.1}
            decimalScale={3}
            error={error}
            w={130}
            data-testid={`hybrid-${id}-weight`}
          />
        ))}
        <NumberInput
          label="Rrf k"
          description="flattens rank gaps"
          value={value.rrfK}
          onChange={(v) => onChange({ rrfK: v })}
          min={1}
          max={1000}
          allowDecimal={false}
          error={errors.k}
          w={110}
          data-testid="hybrid-rrf-k"
        />
      </Group>
      <Text size="xs" c="dimmed" ff="monospace" data-testid="hybrid-formula">
        {fusionFormula(value, nResults)}
      </Text>
      {job ? (
        <JobRow job={job} />
      ) : (
        status.data &&
        status.data.missing > 0 && (
          // An indexing job that stopped early (cancelled, or the app quit): finish it.
          <Group gap="xs" data-testid="hybrid-keyword-missing">
            <Text size="sm" c="orange">
              {status.data.missing} of {status.data.documents} records are not in the keyword index yet.
            </Text>
            <Button
              size="compact-xs"
              variant="light"
              onClick={() => enable.mutate()}
              loading={enable.isPending}
              data-testid="hybrid-finish-keyword"
            >
              Finish indexing
            </Button>
          </Group>
        )
      )}
    </Stack>
  )
}
