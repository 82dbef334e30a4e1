import 'swagger-ui-dist/swagger-ui.css';
import './api-reference.css';
import SwaggerUIBundle from 'swagger-ui-dist/swagger-ui-es-bundle.js';

/**
 * `/docs`: Swagger UI, bundled into the build (no CDN), rendering the auth-api's own
 * `/openapi.json`. "Try it out" calls the API on this origin; paste a token from
 * `POST /v1/auth/login` into Authorize.
 */
const target = document.getElementById('api-reference');
if (target) {
  target.textContent = '';
  SwaggerUIBundle({
    url: '/openapi.json',
    domNode: target,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
}
