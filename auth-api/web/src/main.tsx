import './styles/app.css';
import { render } from 'preact';
import { App } from './app/app.js';
import { listenToHistory } from './app/router.js';
import { createCoreServices } from './app/services.js';
import { applyTheme, storedTheme } from './app/theme.js';
import { gatewayUrlFromPage } from './live/live-connection.js';

applyTheme(storedTheme());
listenToHistory();
const gatewayUrl = gatewayUrlFromPage();
const core = createCoreServices({ gatewayUrl });
const root = document.getElementById('app')!;
render(<App core={core} gatewayUrl={gatewayUrl} />, root);
void core.session.restore();
