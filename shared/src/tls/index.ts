export {
  type LoadedTls,
  loadTlsFiles,
  MIN_TLS_VERSION,
  type TlsFiles,
  TlsFilesError,
  tlsFilesFromEnv,
} from './tls-files.js';
export { reloadTlsOnSignal } from './reload-signal.js';
