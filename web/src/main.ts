import './styles.css';
import { App } from './app';

new App({ window }).start();
