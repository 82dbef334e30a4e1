export { RevocationRecorder, revocationEvent, storeBeforePublish } from './revocation-recorder.js';
