// text: several lines (at most 20,000 characters unless `max` says), shown in a wide box.
import { textual } from '#app/fields/string';

export const textField = textual('text', 20_000, false, { name: 'textarea', wide: true });
