export * from './contract';
export * from './emulator';
