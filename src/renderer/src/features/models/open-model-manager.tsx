import { useEffect } from 'react'
import { Button } from '@mantine/core'
import { MODEL_MANAGER_HINT } from '../../../../shared/model-manager'

const OPEN_EVENT = 'chromadesk:open-model-manager'

/** Opens Settings at the model manager, from anywhere (the Settings button listens). */
export function openModelManager(): void {
  window.dispatchEvent(new Event(OPEN_EVENT))
}

/** Calls `open` whenever some part of the app asks for the model manager. */
export function useOpenModelManagerRequests(open: () => void): void {
  useEffect(() => {
    window.addEventListener(OPEN_EVENT, open)
    return () => window.removeEventListener(OPEN_EVENT, open)
  }, [open])
}

/**
 * Under an error that says a model is missing: the way to the model manager. `onLeave` closes the
 * dialog it is in first, so Settings is not opened under it.
 */
export function ModelManagerLink({ message, onLeave }: { message: string; onLeave?: () => void }) {
  if (!message.includes(MODEL_MANAGER_HINT.trim())) return null
  const open = (): void => {
    onLeave?.()
    openModelManager()
  }
  return (
    <Button size="compact-xs" variant="light" mt="xs" onClick={open} data-testid="open-model-manager">
      Open Embedding models
    </Button>
  )
}
