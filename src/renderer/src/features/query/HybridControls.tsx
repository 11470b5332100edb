import { Alert, Button, Group, NumberInput, Stack, Text } from '@mantine/core'
import { useMutation, useQuery } from '@tanstack/react-query'
import type { HybridRow, RecordRow } from '../../../../shared/contract'
import { hybridCandidates } from '../../../../shared/hybrid'
import { useJobs, useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { JobRow } from '../jobs/JobsButton'
import type { ScoreColumn } from '../records/RecordTable'

export interface Weights {
  /** As typed: a field may be empty while the user edits it. */
  denseWeight: number | string
  keywordWeight: number | string
  rrfK: number | string
}

/** Both rankings count alike, as Chroma's Rrf does by default. */
export const DEFAULT_WEIGHTS: Weights = { denseWeight: 1, keywordWeight: 1, rrfK: 60 }

/** Where a weight is wrong, in the form's words; or the numbers to send. */
export function checkWeights(
  w: Weights
):
  | { ok: true; value: { denseWeight: number; keywordWeight: number; rrfK: number } }
  | { ok: false; field: 'dense' | 'keyword' | 'k'; error: string } {
  const { denseWeight, keywordWeight, rrfK } = w
  const weight = (v: number | string): v is number => typeof v === 'number' && v >= 0 && v <= 100
  if (!weight(denseWeight)) return { ok: false, field: 'dense', error: '0 to 100' }
  if (!weight(keywordWeight)) return { ok: false, field: 'keyword', error: '0 to 100' }
  if (denseWeight === 0 && keywordWeight === 0)
    return { ok: false, field: 'keyword', error: 'One weight must be above 0' }
  if (typeof rrfK !== 'number' || !Number.isInteger(rrfK) || rrfK < 1 || rrfK > 1000) {
    return { ok: false, field: 'k', error: '1 to 1000' }
  }
  return { ok: true, value: { denseWeight, keywordWeight, rrfK } }
}

const num = (v: number | string): string => (typeof v === 'number' ? String(v) : v === '' ? '?' : v)

/**
 * The fusion as a formula with the user's numbers in it: what "hybrid" means, visibly. Chroma's Rrf
 * counts ranks from 0; places (as the table shows them) count from 1, hence k - 1.
 */
export function fusionFormula(w: Weights, nResults: number | string): string {
  const k = typeof w.rrfK === 'number' ? String(w.rrfK - 1) : '?'
  const n = typeof nResults === 'number' ? String(hybridCandidates(nResults)) : 'the'
  return (
    `score = −(${num(w.denseWeight)} / (${k} + dense place) + ${num(w.keywordWeight)} / (${k} + keyword place)); ` +
    `a record not among a ranking's ${n} candidates takes the place after them`
  )
}

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
