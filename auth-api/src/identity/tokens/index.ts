export { AccessTokenIssuer, type IssuedAccessToken } from './access-token-issuer.js';
