import './StatusDot.css'

/** The engine's state as a dot that reads on the light and the dark header alike. */
export function StatusDot({ ok }: { ok: boolean }) {
  return <span className="cd-status-dot" data-state={ok ? 'ok' : 'error'} data-testid="status-dot" aria-hidden />
}
