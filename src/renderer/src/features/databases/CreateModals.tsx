import { useState } from 'react'
import { Button, Modal, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useTransport } from '../../lib/data'
import { queryKeys } from '../../lib/query-keys'
import { DialogFooter } from '../../components/DialogFooter'
import { tenancyNameError } from './names'

/** Creates a database in one of the connection's tenants (the switcher then offers it). */
export function CreateDatabaseModal(props: {
  tenants: string[]
  tenant: string
  existing: (tenant: string) => string[]
  onClose: () => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  const [tenant, setTenant] = useState(props.tenant)
  const [name, setName] = useState('')
  const problem = tenancyNameError('database', name, props.existing(tenant))
  const create = useMutation({
    mutationFn: () => transport.call('databases.create', { tenant, name }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections() })
      notifications.show({ color: 'green', title: 'Database created', message: `${tenant} / ${name}` })
      props.onClose()
    }
  })
  return (
    <Modal opened onClose={props.onClose} title="New database">
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (problem === null) create.mutate()
        }}
      >
        <Stack data-testid="create-database">
          <Select
            label="Tenant"
            data={props.tenants}
            value={tenant}
            allowDeselect={false}
            onChange={(v) => v && setTenant(v)}
          />
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={name !== '' ? problem : null}
            data-autofocus
            autoComplete="off"
            data-testid="database-name"
          />
          <DialogFooter
            error={create.error}
            errorTitle="Could not create the database"
            errorTestId="create-database-error"
            onCancel={props.onClose}
          >
            <Button
              type="submit"
              disabled={problem !== null}
              loading={create.isPending}
              data-testid="create-database-submit"
            >
              Create
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}

/**
 * Creates a tenant with its first database and hands both to `onReady` (which switches to them). On a
 * Chroma server, which cannot list tenants, it can instead open an existing tenant by name.
 */
export function CreateTenantModal(props: {
  known: string[]
  canOpenExisting: boolean
  onClose: () => void
  onReady: (to: { tenant: string; database: string }) => void
}) {
  const transport = useTransport()
  const [mode, setMode] = useState<'create' | 'open'>('create')
  const [tenant, setTenant] = useState('')
  const [database, setDatabase] = useState('default_database')
  const creating = mode === 'create'
  const problem =
    tenancyNameError('tenant', tenant, creating ? props.known : []) ?? tenancyNameError('database', database)
  const create = useMutation({
    mutationFn: async () => {
      if (creating) {
        await transport.call('tenants.create', { name: tenant })
        await transport.call('databases.create', { tenant, name: database })
      }
    },
    onSuccess: () => props.onReady({ tenant, database })
  })
  return (
    <Modal opened onClose={props.onClose} title={creating ? 'New tenant' : 'Open a tenant'}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (problem === null) create.mutate()
        }}
      >
        <Stack data-testid="create-tenant">
          {props.canOpenExisting && (
            <SegmentedControl
              value={mode}
              onChange={(v) => setMode(v as 'create' | 'open')}
              data={[
                { value: 'create', label: 'Create' },
                { value: 'open', label: 'Open existing' }
              ]}
            />
          )}
          {props.canOpenExisting && (
            <Text size="xs" c="dimmed">
              A Chroma server does not list its tenants: this app shows the ones you create or open here.
            </Text>
          )}
          <TextInput
            label="Tenant"
            value={tenant}
            onChange={(e) => setTenant(e.currentTarget.value)}
            error={tenant !== '' ? tenancyNameError('tenant', tenant, creating ? props.known : []) : null}
            data-autofocus
            autoComplete="off"
            data-testid="tenant-name"
          />
          <TextInput
            label={creating ? 'First database' : 'Database'}
            value={database}
            onChange={(e) => setDatabase(e.currentTarget.value)}
            error={tenancyNameError('database', database)}
            autoComplete="off"
            data-testid="tenant-database-name"
          />
          <DialogFooter
            error={create.error}
            errorTitle={creating ? 'Could not create the tenant' : 'Could not open the tenant'}
            errorTestId="create-tenant-error"
            onCancel={props.onClose}
          >
            <Button
              type="submit"
              disabled={problem !== null}
              loading={create.isPending}
              data-testid="create-tenant-submit"
            >
              {creating ? 'Create and switch' : 'Open'}
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
