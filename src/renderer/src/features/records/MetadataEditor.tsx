import { ActionIcon, Button, Group, SegmentedControl, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core'
import { emptyRow, VALUE_KINDS, type MetadataRow, type ValueKind } from './metadata'

/**
 * Key / type / value rows for record or collection metadata. Controlled: the parent owns the rows
 * and turns them into metadata with parseRows when saving. Test ids are numbered by row position:
 * `${testId}-key-<n>`, `${testId}-type-<n>`, `${testId}-value-<n>`, `${testId}-remove-<n>`, `${testId}-add`.
 */
export function MetadataEditor({
  rows,
  onChange,
  errors = {},
  testId = 'metadata',
  disabled = false
}: {
  rows: MetadataRow[]
  onChange: (rows: MetadataRow[]) => void
  errors?: Record<string, string>
  testId?: string
  disabled?: boolean
}) {
  const update = (uid: string, patch: Partial<MetadataRow>): void =>
    onChange(rows.map((row) => (row.uid === uid ? { ...row, ...patch } : row)))

  return (
    <Stack gap={6}>
      {rows.length === 0 && (
        <Text size="sm" c="dimmed">
          No metadata.
        </Text>
      )}
      {rows.map((row, n) => {
        const isArray = row.kind.endsWith('[]')
        const error = errors[row.uid]
        return (
          <Group key={row.uid} gap={6} align="flex-start" wrap="nowrap">
            <TextInput
              aria-label={`Metadata key ${n + 1}`}
              placeholder="key"
              value={row.key}
              onChange={(e) => update(row.uid, { key: e.currentTarget.value })}
              error={error}
              disabled={disabled}
              w="32%"
              data-testid={`${testId}-key-${n}`}
            />
            <Select<ValueKind>
              aria-label={`Metadata type ${n + 1}`}
              data={VALUE_KINDS}
              value={row.kind}
              allowDeselect={false}
              onChange={(kind) => {
                if (!kind) return
                // Carry the value across a type change so switching int -> float keeps what was typed.
                const toArray = kind.endsWith('[]')
                const items = toArray && !isArray && row.value !== '' ? [row.value] : row.items
                const value = !toArray && isArray ? (row.items[0] ?? '') : row.value
                update(row.uid, {
                  kind,
                  items,
                  value: kind === 'bool' && !['true', 'false'].includes(value) ? 'true' : value
                })
              }}
              disabled={disabled}
              w={100}
              data-testid={`${testId}-type-${n}`}
            />
            {isArray ? (
              <TagsInput
                aria-label={`Metadata value ${n + 1}`}
                placeholder="Type an item, press Enter"
                value={row.items}
                onChange={(items) => update(row.uid, { items })}
                acceptValueOnBlur
                disabled={disabled}
                style={{ flex: 1 }}
                data-testid={`${testId}-value-${n}`}
              />
            ) : row.kind === 'bool' ? (
              <SegmentedControl
                aria-label={`Metadata value ${n + 1}`}
                data={['true', 'false']}
                value={row.value === 'false' ? 'false' : 'true'}
                onChange={(value) => update(row.uid, { value })}
                disabled={disabled}
                data-testid={`${testId}-value-${n}`}
              />
            ) : (
              <TextInput
                aria-label={`Metadata value ${n + 1}`}
                placeholder="value"
                value={row.value}
                onChange={(e) => update(row.uid, { value: e.currentTarget.value })}
                inputMode={row.kind === 'string' ? 'text' : 'decimal'}
                disabled={disabled}
                style={{ flex: 1 }}
                data-testid={`${testId}-value-${n}`}
              />
            )}
            <ActionIcon
              variant="subtle"
              color="red"
              size="lg"
              aria-label={`Remove metadata key ${row.key || n + 1}`}
              onClick={() => onChange(rows.filter((r) => r.uid !== row.uid))}
              disabled={disabled}
              data-testid={`${testId}-remove-${n}`}
            >
              ✕
            </ActionIcon>
          </Group>
        )
      })}
      <Group>
        <Button
          variant="subtle"
          size="compact-sm"
          onClick={() => onChange([...rows, emptyRow()])}
          disabled={disabled}
          data-testid={`${testId}-add`}
        >
          + Add key
        </Button>
      </Group>
    </Stack>
  )
}
