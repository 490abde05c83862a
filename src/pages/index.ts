export { pagesRouter, type PagesRouterOptions } from './router';
