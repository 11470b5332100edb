import { useState, type ReactNode } from 'react'
import { Button, Modal, Stack, TextInput } from '@mantine/core'
import { DialogFooter } from './DialogFooter'

/**
 * A destructive action's confirmation: says what will be lost (`children`), and enables the action
 * only once the user has typed `name`. Test ids are `${testId}-dialog`, -input, -confirm, -error.
 */
export function ConfirmByTypingModal(props: {
  title: string
  name: string
  testId: string
  pending: boolean
  error: Error | null
  onConfirm: () => void
  onClose: () => void
  children: ReactNode
}) {
  const [typed, setTyped] = useState('')
  const { name, testId } = props
  return (
    <Modal opened onClose={props.onClose} title={props.title}>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (typed === name) props.onConfirm()
        }}
      >
        <Stack data-testid={`${testId}-dialog`}>
          {props.children}
          <TextInput
            label={`Type ${name} to confirm`}
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            data-autofocus
            autoComplete="off"
            data-testid={`${testId}-input`}
          />
          <DialogFooter
            error={props.error}
            errorTitle="Could not delete"
            errorTestId={`${testId}-error`}
            onCancel={props.onClose}
          >
            <Button
              type="submit"
              color="red"
              loading={props.pending}
              disabled={typed !== name}
              data-testid={`${testId}-confirm`}
            >
              Delete {name}
            </Button>
          </DialogFooter>
        </Stack>
      </form>
    </Modal>
  )
}
