/**
 * The UI's Content-Security-Policy, the same in the desktop window (app://) and in browser mode: only
 * the app's own scripts, styles and connections; never framed; no forms posted anywhere.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'"
].join('; ')
