import { useState } from 'react'
import { Alert, Button, Center, Code, Stack, TextInput, Title } from '@mantine/core'
import { APP_KEY_MESSAGE, APP_KEY_STORAGE_KEY } from '../../lib/transport'

/** The key from a pasted start link (`.../#key=K`) or the bare key. */
export function keyFromPaste(text: string): string | null {
  const trimmed = text.trim()
  if (trimmed === '') return null
  const hash = trimmed.indexOf('#')
  if (hash < 0) return trimmed
  return new URLSearchParams(trimmed.slice(hash + 1)).get('key')
}

/**
 * Browser mode without this server run's key: the page cannot call the app (the key is the app's
 * credential, distinct from Chroma's token), so it says how to get in instead of showing errors.
 */
export function AppKeyRequired() {
  const [text, setText] = useState('')
  const key = keyFromPaste(text)
  return (
    <Center h="100vh" data-testid="app-key-required">
      <Stack w={520}>
        <Title order={3}>Chromadesk</Title>
        <Alert color="yellow" title="Open the link the server printed">
          {APP_KEY_MESSAGE} It looks like <Code>http://127.0.0.1:8000/#key=…</Code> and changes at every start.
        </Alert>
        <TextInput
          label="Or paste that link here"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          data-testid="app-key-input"
        />
        <Button
          disabled={key === null}
          onClick={() => {
            if (key === null) return
            window.sessionStorage.setItem(APP_KEY_STORAGE_KEY, key)
            window.location.reload()
          }}
          data-testid="app-key-submit"
        >
          Open
        </Button>
      </Stack>
    </Center>
  )
}
