import { setNonce } from 'get-nonce';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { config } from './lib/config';
import './styles.css';

// The `<style>` elements Radix's scroll lock inserts carry the nonce the gateway allowed in this page's CSP.
if (config.nonce) setNonce(config.nonce);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
