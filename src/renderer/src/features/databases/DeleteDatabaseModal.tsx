import { List, Loader, Text } from '@mantine/core'
import { notifications } from '@mantine/notifications'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { dropDatabaseData, useTransport } from '../../lib/data'
import { plural } from '../../lib/format'
import { queryKeys } from '../../lib/query-keys'
import { ConfirmByTypingModal } from '../../components/ConfirmByTypingModal'
import { useCollectionList } from '../collections/CollectionsSidebar'

/**
 * Deletes the current database. It takes its collections with it, so the dialog names each one with
 * its record count and asks for the database's name, as deleting a collection does.
 */
export function DeleteDatabaseModal(props: {
  tenant: string
  database: string
  onClose: () => void
  onDeleted: () => void
}) {
  const transport = useTransport()
  const queryClient = useQueryClient()
  // The current database's collections: what the sidebar lists.
  const held = useCollectionList()
  const remove = useMutation({
    mutationFn: () => transport.call('databases.delete', { tenant: props.tenant, name: props.database }),
    onSuccess: (deleted) => {
      dropDatabaseData(queryClient)
      void queryClient.invalidateQueries({ queryKey: queryKeys.connections() })
      const records = deleted.collections.reduce((n, c) => n + c.records, 0)
      notifications.show({
        color: 'green',
        title: 'Database deleted',
        message: `${deleted.database}: ${deleted.collections.length} collection(s), ${plural(records)}`
      })
      props.onClose()
      props.onDeleted()
    }
  })
  const collections = held.data ?? []
  return (
    <ConfirmByTypingModal
      title="Delete database"
      name={props.database}
      testId="delete-database"
      pending={remove.isPending}
      error={remove.error ?? held.error}
      onConfirm={() => remove.mutate()}
      onClose={props.onClose}
    >
      <Text data-testid="delete-database-message">
        Delete database <b>{props.database}</b> of tenant <b>{props.tenant}</b>
        {held.isSuccess && collections.length === 0 ? ' (it holds no collections)' : ' and everything in it'}? This
        cannot be undone.
      </Text>
      {held.isPending && <Loader size="xs" />}
      {collections.length > 0 && (
        <List size="sm" data-testid="delete-database-contents">
          {collections.map((c) => (
            <List.Item key={c.id} data-testid="delete-database-collection" data-name={c.name}>
              {c.name}: {plural(c.count)}
            </List.Item>
          ))}
        </List>
      )}
    </ConfirmByTypingModal>
  )
}
