/** Long-lived singletons of the app shell (not reactive state). */
import { FlowStorage } from '@/persistence/flowStorage';

export const storage = new FlowStorage();
