import { consoleDeliveries, type ConsoleDelivery } from '../channels/console.js';

// What the virtual phone shows: the console providers' deliveries and the call-back robot's
// answers, newest last, in memory (development only; bounded).

export type PhoneEntryKind = 'sms' | 'flash_call' | 'voice' | 'robot';

export interface PhoneEntry {
  seq: number;
  at: string;
  kind: PhoneEntryKind;
  /** E.164 of the phone this happened on. */
  phone: string;
  text: string;
  code?: string;
  /** Flash calls: the number that rang (its last 4 digits are the code). */
  caller?: string;
  sender?: string;
  locale?: string;
  verificationId?: string;
}

const MAX_ENTRIES = 500;

export class PhoneFeed {
  private entries: PhoneEntry[] = [];
  private seq = 0;
  private readonly listeners = new Set<(e: PhoneEntry) => void>();
  private readonly onDelivery = (d: ConsoleDelivery) =>
    this.add({
      kind: d.channel,
      phone: d.to,
      text: d.message,
      code: d.code,
      locale: d.locale,
      verificationId: d.verificationId,
      ...(d.caller ? { caller: d.caller } : {}),
      ...(d.sender ? { sender: d.sender } : {}),
    });

  constructor(private readonly now: () => number = Date.now) {
    consoleDeliveries.on('delivery', this.onDelivery);
  }

  add(e: Omit<PhoneEntry, 'seq' | 'at'>): PhoneEntry {
    const entry = { seq: ++this.seq, at: new Date(this.now()).toISOString(), ...e };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  /** Oldest first. */
  recent(): PhoneEntry[] {
    return [...this.entries];
  }

  subscribe(listener: (e: PhoneEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close() {
    consoleDeliveries.off('delivery', this.onDelivery);
    this.listeners.clear();
  }
}
