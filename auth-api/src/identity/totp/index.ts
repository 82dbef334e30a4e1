export {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  otpauthUri,
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  type TotpAlgorithm,
  timeStep,
  totpCode,
  type VerifyTotpOptions,
  type VerifyTotpResult,
  verifyTotp,
} from './totp.js';
export { SecretBox, SecretBoxError } from './secret-box.js';
