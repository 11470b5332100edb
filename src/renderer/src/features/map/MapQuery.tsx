import { useState } from 'react'
import { Button, Group, NumberInput, Popover, SegmentedControl, TextInput } from '@mantine/core'
import { LOCAL_CONNECTION } from '../../../../shared/constants'
import { useConnection } from '../../lib/data'
import { useCollection } from '../collections/CollectionHeader'
import { HybridControls } from '../query/HybridControls'
import { checkWeights, defaultWeights, type Weights } from '../query/hybrid-weights'
import { RecordPicker } from '../query/RecordPicker'
import { parseVector } from '../query/where-model'

/** What the map asks: the hits are drawn with lines to the query point. */
export type MapQueryInput =
  | { kind: 'text'; text: string }
  | { kind: 'hybrid'; text: string; denseWeight: number; keywordWeight: number; rrfK: number }
  | { kind: 'vector'; embedding: number[] }
  | { kind: 'similar'; similarTo: string }

type Kind = MapQueryInput['kind']

/**
 * The map's query bar: text, hybrid (text by meaning and by keywords, where the collection has a
 * keyword index: decision 0098), a pasted vector, or a record's neighbours; and top k.
 */
export function MapQuery({
  collectionId,
  k,
  onK,
  onRun,
  running,
  disabled
}: {
  collectionId: string
  k: number
  onK: (k: number) => void
  onRun: (input: MapQueryInput) => void
  running: boolean
  disabled: boolean
}) {
  const { connection } = useConnection()
  const collection = useCollection(collectionId)
  const [kind, setKind] = useState<Kind>('text')
  const [text, setText] = useState('')
  const [vector, setVector] = useState('')
  const [record, setRecord] = useState('')
  const [error, setError] = useState<string | undefined>(undefined)
  const keywordKey = collection.data?.keywordKey ?? null
  const hybrid = connection === LOCAL_CONNECTION && keywordKey !== null
  const hasModel = (collection.data?.embeddingModel ?? null) !== null
  // The fusion's weights, as the Query tab's hybrid form has them; null: the collection's default
  // (without a model only keywords can rank, so the dense weight starts at 0).
  const [edited, setWeights] = useState<Weights | null>(null)
  const weights = edited ?? defaultWeights(hasModel)
  const [weightsOpen, setWeightsOpen] = useState(false)
  const weightsError = kind === 'hybrid' ? checkWeights(weights) : null

  const input = (): MapQueryInput | string | null => {
    if (kind === 'vector') {
      const parsed = parseVector(vector, collection.data?.dimension ?? null)
      return parsed.ok ? { kind, embedding: parsed.value } : parsed.error
    }
    if (kind === 'similar') return record.trim() ? { kind, similarTo: record.trim() } : 'Choose a record'
    if (!text.trim()) return 'Type the text to search for'
    if (kind === 'text') return { kind, text }
    const checked = checkWeights(weights)
    // A wrong weight is shown where it is typed (run opens the weights).
    return checked.ok ? { kind, text, ...checked.value } : null
  }
  const run = (): void => {
    const next = input()
    setError(typeof next === 'string' ? next : undefined)
    if (next === null) setWeightsOpen(true)
    else if (typeof next !== 'string') onRun(next)
  }

  return (
    <Group gap={4} align="flex-end" ml="auto" wrap="nowrap">
      <SegmentedControl
        size="xs"
        value={kind}
        onChange={(value) => {
          setKind(value as Kind)
          setError(undefined)
          setWeightsOpen(false)
        }}
        data={[
          { label: 'Text', value: 'text' },
          ...(hybrid ? [{ label: 'Hybrid', value: 'hybrid' }] : []),
          { label: 'Vector', value: 'vector' },
          { label: 'Record', value: 'similar' }
        ]}
        data-testid="map-query-kind"
      />
      {(kind === 'text' || kind === 'hybrid') && (
        <TextInput
          label={kind === 'hybrid' ? 'Hybrid query (meaning + keywords)' : 'Query'}
          placeholder="Text to search for"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && run()}
          error={error}
          w={200}
          data-testid="map-query"
        />
      )}
      {kind === 'hybrid' && keywordKey !== null && (
        <Popover opened={weightsOpen} onChange={setWeightsOpen} position="bottom-end" withArrow shadow="md">
          <Popover.Target>
            <Button
              variant="default"
              onClick={() => setWeightsOpen((o) => !o)}
              color={weightsError && !weightsError.ok ? 'red' : undefined}
              data-testid="map-hybrid-weights"
            >
              Weights
            </Button>
          </Popover.Target>
          <Popover.Dropdown maw={460}>
            <HybridControls
              collectionId={collectionId}
              keywordKey={keywordKey}
              hasModel={hasModel}
              nResults={k}
              value={weights}
              onChange={(w) => setWeights((current) => ({ ...(current ?? defaultWeights(hasModel)), ...w }))}
              errors={weightsError && !weightsError.ok ? { [weightsError.field]: weightsError.error } : {}}
            />
          </Popover.Dropdown>
        </Popover>
      )}
      {kind === 'vector' && (
        <TextInput
          label="Query vector"
          placeholder="[0.12, -0.03, …]"
          value={vector}
          onChange={(e) => setVector(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && run()}
          error={error}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          w={200}
          data-testid="map-query-vector"
        />
      )}
      {kind === 'similar' && (
        <div style={{ width: 220 }}>
          <RecordPicker collectionId={collectionId} value={record} onChange={setRecord} onSubmit={run} error={error} />
        </div>
      )}
      <NumberInput label="Top k" value={k} min={1} max={1000} onChange={(v) => onK(Number(v) || 10)} w={80} />
      <Button onClick={run} disabled={disabled} loading={running} data-testid="map-query-run">
        Query
      </Button>
    </Group>
  )
}
