import type { ReactNode } from 'react'
import { Alert, Button, Group } from '@mantine/core'
import { ModelManagerLink } from '../features/models/open-model-manager'

/**
 * The end of every form dialog: the failed call's message (the engine's words, shown where it
 * happened; the form keeps what the user typed), then Cancel and the dialog's own action.
 */
export function DialogFooter(props: {
  error: Error | null
  errorTitle: string
  errorTestId: string
  onCancel: () => void
  children: ReactNode
}) {
  return (
    <>
      {props.error && (
        <Alert
          color="red"
          title={props.errorTitle}
          data-testid={props.errorTestId}
          // Long ids and names in a message wrap whole instead of being cut off.
          style={{ overflowWrap: 'anywhere' }}
        >
          {props.error.message}
          <ModelManagerLink message={props.error.message} onLeave={props.onCancel} />
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={props.onCancel}>
          Cancel
        </Button>
        {props.children}
      </Group>
    </>
  )
}
