/** The signed-in user's roles, read once: the console disables what the API would refuse anyway. */
import { useEffect } from "react";
import { create } from "zustand";
import { getMe, type Me } from "../api/console";

interface MeState {
  me: Me | null;
  error: string | null;
  load(): void;
}

let started = false;

export const useMeStore = create<MeState>((set) => ({
  me: null,
  error: null,
  load() {
    if (started) return;
    started = true;
    getMe().then(
      (me) => set({ me, error: null }),
      (e: Error) => {
        started = false;
        set({ error: e.message });
      },
    );
  },
}));

export function useMe(): Me | null {
  const me = useMeStore((s) => s.me);
  useEffect(() => useMeStore.getState().load(), []);
  return me;
}

/** Whether the user may `capability` ("operate" for run actions). False until known. */
export function useCan(capability: string): boolean {
  const me = useMe();
  return !!me && me.capabilities.includes(capability);
}

export function cannotText(me: Me | null, capability: string): string {
  if (!me) return "Checking your role…";
  if (me.capabilities.includes(capability)) return "";
  const roles = me.roles.length ? me.roles.join(", ") : "no role";
  return `Your role (${roles}) cannot act on runs; ask an operator or an admin.`;
}
