// The words of the demo data, per language (`import-demo --lang ru`): card
// titles, suppliers, customers, descriptions and the demo users' names.
// Values that are codes (categories, channels, cost centres) are the same
// in every language; the card types give their labels.

export interface DemoTexts {
  users: Record<'olga' | 'oscar' | 'maria', string>;
  suppliers: string[];
  customers: string[];
  /** title, category, amount, quantity, cost centre */
  purchases: ReadonlyArray<readonly [string, string, number, number, string]>;
  requestedBy: (name: string) => string;
  /** title, channel, severity, details */
  complaints: ReadonlyArray<readonly [string, string, string, string]>;
  resolution: string;
}

const en: DemoTexts = {
  users: { olga: 'Olga Operator', oscar: 'Oscar Operator', maria: 'Maria Manager' },
  suppliers: ['Nordwind Office GmbH', 'Bytecraft Ltd', 'Atlas Travel', 'Kettle & Co', 'Lumen Displays'],
  customers: ['Hanna Schulz', 'Marco Rossi', 'Aiko Tanaka', 'Priya Raman', 'Tom Becker', 'Lucía García'],
  purchases: [
    ['Laptops for the new support team', 'it', 8400, 6, 'IT-210'],
    ['Printer toner, second floor', 'office', 320.5, 12, 'OF-101'],
    ['Trade fair travel, Hannover', 'travel', 2150, 3, 'SA-330'],
    ['Ergonomic chairs', 'office', 2799, 7, 'OF-101'],
    ['Monitor arms', 'it', 540, 10, 'IT-210'],
    ['External audit support', 'services', 12000, 1, 'FI-400'],
  ],
  requestedBy: (name) => `Requested by ${name}.`,
  complaints: [
    ['Parcel arrived damaged', 'phone', 'high', 'The box was crushed and the screen is cracked.'],
    ['Wrong colour delivered', 'email', 'low', 'Ordered blue, received green.'],
    ['Invoice charged twice', 'web', 'medium', 'Two identical charges on the card statement.'],
    ['Rude staff at the counter', 'store', 'medium', 'Customer felt ignored for 20 minutes.'],
    ['Late delivery, missed event', 'email', 'high', 'Delivery came three days after the promised date.'],
  ],
  resolution: 'Replacement sent with express shipping.',
};

const ru: DemoTexts = {
  users: { olga: 'Ольга Соколова', oscar: 'Олег Орлов', maria: 'Мария Морозова' },
  suppliers: ['ООО «Норд-Офис»', 'АО «Байткрафт»', 'Агентство «Атлас-Тур»', 'ИП Чайников', 'ООО «Люмен Дисплей»'],
  customers: ['Анна Шульгина', 'Марк Розанов', 'Айгуль Тагирова', 'Прия Раман', 'Тимур Беков', 'Люция Гарипова'],
  purchases: [
    ['Ноутбуки для новой группы поддержки', 'it', 8400, 6, 'IT-210'],
    ['Тонер для принтера, второй этаж', 'office', 320.5, 12, 'OF-101'],
    ['Поездка на выставку, Казань', 'travel', 2150, 3, 'SA-330'],
    ['Эргономичные кресла', 'office', 2799, 7, 'OF-101'],
    ['Кронштейны для мониторов', 'it', 540, 10, 'IT-210'],
    ['Сопровождение внешнего аудита', 'services', 12000, 1, 'FI-400'],
  ],
  requestedBy: (name) => `Заявку подал(а) ${name}.`,
  complaints: [
    ['Посылка пришла повреждённой', 'phone', 'high', 'Коробка смята, экран треснул.'],
    ['Доставлен товар не того цвета', 'email', 'low', 'Заказывали синий, получили зелёный.'],
    ['Счёт оплачен дважды', 'web', 'medium', 'В выписке по карте два одинаковых списания.'],
    ['Грубость сотрудника на кассе', 'store', 'medium', 'Клиента 20 минут не обслуживали.'],
    ['Опоздание доставки, мероприятие сорвано', 'email', 'high', 'Доставка пришла на три дня позже обещанного.'],
  ],
  resolution: 'Отправлена замена экспресс-доставкой.',
};

/** The languages demo data exists in, the first the default. */
export const DEMO_LANGUAGES: Readonly<Record<string, DemoTexts>> = { en, ru };
