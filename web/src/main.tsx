import { render } from 'preact';
import { App } from './app.tsx';
import { takeTokenFromAddress } from './api.ts';
import './styles.css';

takeTokenFromAddress();
if (!location.hash) history.replaceState(null, '', '#/overview');
render(<App />, document.getElementById('app')!);
