import type { StateCreator } from "zustand";
import type { DraftSlice } from "./draftSlice";
import type { GraphSlice } from "./graphSlice";
import type { HistorySlice } from "./historySlice";
import type { SelectionSlice } from "./selectionSlice";

export type DesignerState = GraphSlice & SelectionSlice & HistorySlice & DraftSlice;
export type Slice<T> = StateCreator<DesignerState, [], [], T>;
