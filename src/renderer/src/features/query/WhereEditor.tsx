import {
  ActionIcon,
  Alert,
  Autocomplete,
  Badge,
  Box,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Tooltip
} from '@mantine/core'
import type { MetadataKey } from '../../../../shared/contract'
import {
  builderToWhere,
  DOC_OPERATORS,
  docToWhere,
  emptyCondition,
  emptyGroup,
  filterToText,
  isListOperator,
  OPERATOR_LABELS,
  operatorsFor,
  parseFilterText,
  updateNode,
  valueTypeFor,
  whereToBuilder,
  whereToDoc,
  type DocFilter,
  type DocOperator,
  type Join,
  type ValueType,
  type WhereCondition,
  type WhereGroup,
  type WhereNode
} from './where-model'

/**
 * The `where` filter as both a builder and its JSON. The JSON text is what gets sent; builder edits
 * rewrite it, and JSON edits rebuild the builder when it can show them (else it is marked overridden).
 */
export interface WhereState {
  builder: WhereGroup
  text: string
  overridden: boolean
}

export function initialWhere(): WhereState {
  return { builder: emptyGroup(), text: '', overridden: false }
}

export function whereFromBuilder(builder: WhereGroup): WhereState {
  return { builder, text: filterToText(builderToWhere(builder).where), overridden: false }
}

export function whereFromText(previous: WhereState, text: string): WhereState {
  const parsed = parseFilterText(text)
  const builder = parsed.ok ? whereToBuilder(parsed.value) : null
  return builder ? { builder, text, overridden: false } : { builder: previous.builder, text, overridden: true }
}

export interface DocState {
  simple: DocFilter
  text: string
  overridden: boolean
}

export function initialDoc(): DocState {
  return { simple: { op: '$contains', text: '' }, text: '', overridden: false }
}

const MAX_SUGGESTIONS = 200

const TYPE_OPTIONS: { value: ValueType; label: string }[] = [
  { value: 'string', label: 'text' },
  { value: 'number', label: 'number' },
  { value: 'boolean', label: 'boolean' }
]

export function WhereEditor({
  value,
  onChange,
  keys,
  keysLoading,
  keysError
}: {
  value: WhereState
  onChange: (next: WhereState) => void
  keys: MetadataKey[]
  keysLoading: boolean
  keysError: string | null
}) {
  const errors = value.overridden ? {} : builderToWhere(value.builder).errors
  const parsed = parseFilterText(value.text)
  // JSON that does not parse yet is reported once, by the JSON field; only valid JSON the builder
  // cannot show is "overridden".
  const overridden = value.overridden && parsed.ok
  const edit = (id: string, fn: (node: WhereNode) => WhereNode | null): void =>
    onChange(whereFromBuilder(updateNode(value.builder, id, fn)))

  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm" data-testid="where-editor">
      <Stack gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={500}>
            Metadata filter (where)
          </Text>
          {overridden && (
            <Badge color="orange" variant="light" data-testid="where-overridden">
              overridden by the JSON
            </Badge>
          )}
        </Group>
        {keysError && (
          <Text size="xs" c="red">
            Could not load metadata keys: {keysError}
          </Text>
        )}
        {!keysLoading && !keysError && keys.length === 0 && (
          <Text size="xs" c="dimmed">
            No metadata keys in this collection yet; you can still type one.
          </Text>
        )}
        <Box
          data-testid="where-builder"
          style={value.overridden ? { opacity: 0.5, pointerEvents: 'none' } : undefined}
          aria-disabled={value.overridden}
        >
          <GroupEditor group={value.builder} root keys={keys} errors={errors} edit={edit} />
        </Box>
        {overridden && (
          <Alert color="orange" variant="light" p="xs">
            <Group justify="space-between" gap="xs">
              <Text size="xs">The builder cannot show this JSON, so the JSON is used as typed.</Text>
              <Button size="compact-xs" variant="subtle" onClick={() => onChange(initialWhere())}>
                Clear filter
              </Button>
            </Group>
          </Alert>
        )}
      </Stack>
      <Textarea
        label="where (JSON)"
        description="Edits here update the builder when it can show them"
        placeholder='{"year": {"$gte": 2020}}'
        autosize
        minRows={5}
        maxRows={18}
        value={value.text}
        onChange={(e) => onChange(whereFromText(value, e.currentTarget.value))}
        error={parsed.ok ? undefined : parsed.error}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        spellCheck={false}
        data-testid="where-json"
      />
    </SimpleGrid>
  )
}

function GroupEditor({
  group,
  root,
  keys,
  errors,
  edit
}: {
  group: WhereGroup
  root?: boolean
  keys: MetadataKey[]
  errors: Record<string, string>
  edit: (id: string, fn: (node: WhereNode) => WhereNode | null) => void
}) {
  const add = (node: WhereNode): void =>
    edit(group.id, (g) => ({ ...(g as WhereGroup), children: [...(g as WhereGroup).children, node] }))
  return (
    <Paper withBorder p="xs" data-testid="where-group" data-join={group.join}>
      <Stack gap="xs">
        <Group gap="xs" justify="space-between">
          <Group gap="xs">
            <SegmentedControl
              size="xs"
              value={group.join}
              onChange={(join) => edit(group.id, (g) => ({ ...(g as WhereGroup), join: join as Join }))}
              data={[
                { value: '$and', label: 'AND' },
                { value: '$or', label: 'OR' }
              ]}
              data-testid="where-group-join"
            />
            <Text size="xs" c="dimmed">
              {group.join === '$and' ? 'all of these match' : 'any of these matches'}
            </Text>
          </Group>
          <Group gap={4}>
            <Button
              size="compact-xs"
              variant="light"
              onClick={() => add(emptyCondition())}
              data-testid="where-add-condition"
            >
              + Condition
            </Button>
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => add(emptyGroup('$or'))}
              data-testid="where-add-group"
            >
              + Group
            </Button>
            {!root && (
              <Tooltip label="Remove group">
                <ActionIcon
                  size="sm"
                  variant="subtle"
                  color="red"
                  aria-label="Remove group"
                  onClick={() => edit(group.id, () => null)}
                >
                  ×
                </ActionIcon>
              </Tooltip>
            )}
          </Group>
        </Group>
        {group.children.length === 0 && (
          <Text size="xs" c="dimmed">
            {root ? 'No conditions: every record matches.' : 'Empty group: add a condition.'}
          </Text>
        )}
        {group.children.map((child) =>
          child.kind === 'group' ? (
            <GroupEditor key={child.id} group={child} keys={keys} errors={errors} edit={edit} />
          ) : (
            <ConditionEditor key={child.id} condition={child} keys={keys} error={errors[child.id]} edit={edit} />
          )
        )}
      </Stack>
    </Paper>
  )
}

function ConditionEditor({
  condition,
  keys,
  error,
  edit
}: {
  condition: WhereCondition
  keys: MetadataKey[]
  error: string | undefined
  edit: (id: string, fn: (node: WhereNode) => WhereNode | null) => void
}) {
  const meta = keys.find((k) => k.key === condition.key)
  const ops = operatorsFor(meta)
  // An operator typed into the JSON stays choosable even if the key's type would not offer it.
  const opOptions = ops.includes(condition.op) ? ops : [...ops, condition.op]
  const set = (patch: Partial<WhereCondition>): void =>
    edit(condition.id, (n) => ({ ...(n as WhereCondition), ...patch }))
  const setKey = (key: string): void => {
    const next = keys.find((k) => k.key === key)
    if (!next) return set({ key })
    const nextOps = operatorsFor(next)
    set({ key, type: valueTypeFor(next), op: nextOps.includes(condition.op) ? condition.op : (nextOps[0] ?? '$eq') })
  }
  const suggestions =
    condition.type === 'boolean'
      ? ['true', 'false']
      : [...new Set((meta?.values ?? []).map(String))].slice(0, MAX_SUGGESTIONS)
  const list = isListOperator(condition.op)

  return (
    <Stack gap={2} data-testid="where-condition">
      <Group gap={6} wrap="nowrap" align="flex-start">
        <Autocomplete
          size="xs"
          placeholder="key"
          aria-label="Metadata key"
          data={keys.map((k) => k.key)}
          value={condition.key}
          onChange={setKey}
          renderOption={({ option }) => {
            const k = keys.find((x) => x.key === option.value)
            return (
              <Group gap={6} wrap="nowrap">
                <Text size="xs">{option.value}</Text>
                {k && (
                  <Text size="xs" c="dimmed">
                    {k.isArray ? `${k.types.join('|')}[]` : k.types.join('|')} · {k.records} records
                  </Text>
                )}
              </Group>
            )
          }}
          comboboxProps={{ width: 260, position: 'bottom-start' }}
          style={{ flex: 3, minWidth: 90 }}
          data-testid="where-key"
          error={error === 'Choose a key'}
        />
        <Select
          size="xs"
          aria-label="Operator"
          data={opOptions.map((op) => ({ value: op, label: OPERATOR_LABELS[op] }))}
          value={condition.op}
          onChange={(op) => op && set({ op: op as WhereCondition['op'] })}
          allowDeselect={false}
          comboboxProps={{ width: 220 }}
          style={{ flex: 3, minWidth: 90 }}
          data-testid="where-op"
        />
        <Select
          size="xs"
          aria-label="Value type"
          data={TYPE_OPTIONS}
          value={condition.type}
          onChange={(type) => type && set({ type: type as ValueType })}
          allowDeselect={false}
          style={{ flex: 2, minWidth: 96 }}
          data-testid="where-type"
        />
        {list ? (
          <TextInput
            size="xs"
            placeholder="a, b, c"
            aria-label="Values"
            value={condition.value}
            onChange={(e) => set({ value: e.currentTarget.value })}
            style={{ flex: 4, minWidth: 100 }}
            error={error !== undefined && error !== 'Choose a key'}
            data-testid="where-value"
          />
        ) : (
          <Autocomplete
            size="xs"
            placeholder="value"
            aria-label="Value"
            data={suggestions}
            value={condition.value}
            onChange={(v) => set({ value: v })}
            style={{ flex: 4, minWidth: 100 }}
            error={error !== undefined && error !== 'Choose a key'}
            data-testid="where-value"
          />
        )}
        <Tooltip label="Remove condition">
          <ActionIcon
            size="md"
            variant="subtle"
            color="red"
            aria-label="Remove condition"
            onClick={() => edit(condition.id, () => null)}
            data-testid="where-remove"
          >
            ×
          </ActionIcon>
        </Tooltip>
      </Group>
      {error && (
        <Text size="xs" c="red" data-testid="where-condition-error">
          {error}
        </Text>
      )}
    </Stack>
  )
}

const DOC_LABELS: Record<DocOperator, string> = {
  $contains: 'contains',
  $not_contains: 'does not contain',
  $regex: 'matches regex',
  $not_regex: 'does not match regex'
}

export function docFromSimple(simple: DocFilter): DocState {
  return { simple, text: filterToText(docToWhere(simple)), overridden: false }
}

export function docFromText(previous: DocState, text: string): DocState {
  const parsed = parseFilterText(text)
  const simple = parsed.ok ? whereToDoc(parsed.value) : null
  return simple ? { simple, text, overridden: false } : { simple: previous.simple, text, overridden: true }
}

/** where_document: one operator and its text, or any JSON (groups of them) in the textarea. */
export function WhereDocumentEditor({ value, onChange }: { value: DocState; onChange: (next: DocState) => void }) {
  const parsed = parseFilterText(value.text)
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
      <Stack gap="xs">
        <Group gap="xs">
          <Text size="sm" fw={500}>
            Document filter (where_document)
          </Text>
          {value.overridden && parsed.ok && (
            <Badge color="orange" variant="light" data-testid="where-document-overridden">
              overridden by the JSON
            </Badge>
          )}
        </Group>
        <Group gap={6} wrap="nowrap" style={value.overridden ? { opacity: 0.5, pointerEvents: 'none' } : undefined}>
          <Select
            size="xs"
            aria-label="Document operator"
            data={DOC_OPERATORS.map((op) => ({ value: op, label: `${DOC_LABELS[op]} (${op})` }))}
            value={value.simple.op}
            onChange={(op) => op && onChange(docFromSimple({ ...value.simple, op: op as DocOperator }))}
            allowDeselect={false}
            comboboxProps={{ width: 240 }}
            style={{ flex: 2 }}
            data-testid="where-document-op"
          />
          <TextInput
            size="xs"
            placeholder="text in the document"
            aria-label="Document text"
            value={value.simple.text}
            onChange={(e) => onChange(docFromSimple({ ...value.simple, text: e.currentTarget.value }))}
            style={{ flex: 3 }}
            data-testid="where-document-text"
          />
        </Group>
      </Stack>
      <Textarea
        label="where_document (JSON)"
        placeholder='{"$contains": "search"}'
        autosize
        minRows={2}
        maxRows={10}
        value={value.text}
        onChange={(e) => onChange(docFromText(value, e.currentTarget.value))}
        error={parsed.ok ? undefined : parsed.error}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        spellCheck={false}
        data-testid="where-document-json"
      />
    </SimpleGrid>
  )
}
