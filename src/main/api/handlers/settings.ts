import type { AppSettings } from '../../../shared/contract.js'
import type { Handlers } from '../dispatch.js'
import { ChromaError } from '../../engine/index.js'

/** The desktop app's settings; the headless server has none (its flags are its settings). */
export interface SettingsService {
  get(): AppSettings
  setServer(input: { enabled: boolean; port?: number; regenerateToken?: boolean }): Promise<AppSettings>
  setDataDir(dataDir: string): Promise<AppSettings>
}

export class SettingsUnavailableError extends ChromaError {
  readonly httpStatus = 404
  constructor() {
    super('Settings are part of the desktop app; the headless server takes them as command-line flags')
  }
}

export function settingsHandlers(
  settings: SettingsService | undefined
): Pick<Handlers, 'settings.get' | 'settings.setServer' | 'settings.setDataDir'> {
  const need = (): SettingsService => {
    if (!settings) throw new SettingsUnavailableError()
    return settings
  }
  return {
    'settings.get': async () => need().get(),
    'settings.setServer': async (input) => need().setServer(input),
    'settings.setDataDir': async ({ dataDir }) => need().setDataDir(dataDir)
  }
}
