import { Badge, Group, MultiSelect, Select, Stack, Text } from '@mantine/core'
import type { ChunkPreview, FieldMapping } from '../../../../shared/contract'

type Table = NonNullable<ChunkPreview['table']>

/**
 * Which fields of a structured file (CSV, JSON, JSON Lines) make each record: the document, an
 * optional id, and typed metadata. The server guesses the defaults; a field is in one role at a time.
 */
export function FieldMappingEditor({
  table,
  value,
  onChange,
  partial = false
}: {
  table: Table
  /** The preview read only the file's head: fields and types come from its first rows. */
  partial?: boolean
  value: FieldMapping
  onChange: (mapping: FieldMapping) => void
}) {
  const label = (f: Table['fields'][number]): string => `${f.name} (${f.type})`
  const all = table.fields.map((f) => ({ value: f.name, label: label(f) }))
  const without = (...names: (string | null)[]) => all.filter((o) => !names.includes(o.value))
  return (
    <Stack gap="xs" data-testid="ingest-mapping">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          {partial
            ? 'Each row becomes one record (fields and types from the first rows)'
            : `Each of the ${table.rows.toLocaleString()} rows becomes one record`}
        </Text>
        <Badge variant="light" tt="none">
          structured file
        </Badge>
      </Group>
      <MultiSelect
        label="Document"
        description="The text that is embedded and searched; several fields are joined as “field: value” lines"
        data={without(value.id)}
        value={value.document}
        onChange={(document) =>
          onChange({ ...value, document, metadata: value.metadata.filter((m) => !document.includes(m)) })
        }
        error={value.document.length === 0 ? 'Choose at least one field' : undefined}
        data-testid="ingest-mapping-document"
      />
      <Select
        label="Id"
        description="Optional: a field with a different value in every row; otherwise ids come from the file and row"
        placeholder="From the file and row number"
        data={all.filter(
          (o) => table.fields.find((f) => f.name === o.value)?.unique && !value.document.includes(o.value)
        )}
        value={value.id}
        onChange={(id) => onChange({ ...value, id, metadata: value.metadata.filter((m) => m !== id) })}
        clearable
        data-testid="ingest-mapping-id"
      />
      <MultiSelect
        label="Metadata"
        description="Stored with each record, typed: numbers and true/false stay numbers and booleans for filters"
        data={without(value.id, ...value.document)}
        value={value.metadata}
        onChange={(metadata) => onChange({ ...value, metadata })}
        data-testid="ingest-mapping-metadata"
      />
    </Stack>
  )
}
