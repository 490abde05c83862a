export type HelloActivities = ReturnType<typeof createHelloActivities>;

export function createHelloActivities() {
  return {
    async hello(name: string): Promise<string> {
      return `hello, ${name}`;
    },
  };
}
