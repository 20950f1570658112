// Names for the API's shapes the screens use, all taken from web/src/api-types.ts (generated from
// the server's OpenAPI document: `npm run gen:api-types`). The web app never imports src/ and
// does not retype an answer the OpenAPI document states.
import type { paths } from './api-types.ts';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of the 200 answer of GET `path`. */
export type GetOk<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;
/** The JSON body of the 201 answer of POST `path`. */
export type PostCreated<P extends keyof paths> = paths[P] extends { post: { responses: { 201: infer R } } } ? Json<R> : never;

/** The JSON body of the 200 answer of POST `path`. */
export type PostOk<P extends keyof paths> = paths[P] extends { post: { responses: { 200: infer R } } } ? Json<R> : never;

// ——— Session ———
export type WhoAmI = GetOk<'/api/v1/auth/whoami'>;
export type OpenSession = GetOk<'/api/v1/auth/sessions'>['items'][number];
export type SocialProvider = GetOk<'/api/v1/auth/social/providers'>['items'][number];
export type SocialLink = GetOk<'/api/v1/auth/social/links'>['items'][number];
export type SocialStart = PostOk<'/api/v1/auth/social/{provider}/login'>;
export type LocatorOverview = GetOk<'/api/v1/subscribers/{msisdn}/locator'>;
export type FriendLocation = PostOk<'/api/v1/subscribers/{msisdn}/locator/locate'>;
export type LocateOffer = GetOk<'/api/v1/subscribers/{msisdn}/locator/offer'>;
export type RingbackOverview = GetOk<'/api/v1/subscribers/{msisdn}/ringback'>;
export type TermsOfUse = GetOk<'/api/v1/terms'>;

// ——— Subscriber ———
export type Balance = GetOk<'/api/v1/subscribers/{msisdn}/balance'>;
export type Quota = Balance['remaining']['seconds'];
export type CurrentTariff = GetOk<'/api/v1/subscribers/{msisdn}/tariff'>;
export type TariffOffer = GetOk<'/api/v1/subscribers/{msisdn}/tariff/offers'>['items'][number];
export type ConnectedProducts = GetOk<'/api/v1/subscribers/{msisdn}/products'>;
export type ConnectedProduct = ConnectedProducts['paid'][number];
export type AvailableProduct = GetOk<'/api/v1/subscribers/{msisdn}/products/available'>['items'][number];
export type Promised = GetOk<'/api/v1/subscribers/{msisdn}/promised-payment'>;
export type Spending = GetOk<'/api/v1/subscribers/{msisdn}/spending'>;
export type Profile = GetOk<'/api/v1/subscribers/{msisdn}'>;
export type Card = GetOk<'/api/v1/subscribers/{msisdn}/cards'>['items'][number];
export type AutoPayment = GetOk<'/api/v1/subscribers/{msisdn}/auto-payment'>;
export type AlertSettings = GetOk<'/api/v1/subscribers/{msisdn}/alerts'>;
export type VoicemailOverview = GetOk<'/api/v1/subscribers/{msisdn}/voicemail'>;
export type Caps = GetOk<'/api/v1/subscribers/{msisdn}/caps'>;
export type DataLift = GetOk<'/api/v1/subscribers/{msisdn}/caps/data-lift'>;
export type Roaming = GetOk<'/api/v1/subscribers/{msisdn}/roaming'>;
export type Notification = GetOk<'/api/v1/subscribers/{msisdn}/notifications'>['items'][number];
export type WidgetToken = GetOk<'/api/v1/subscribers/{msisdn}/widget-tokens'>['items'][number];
export type NewWidgetToken = PostCreated<'/api/v1/subscribers/{msisdn}/widget-tokens'>;
export type PaymentList = GetOk<'/api/v1/subscribers/{msisdn}/payments'>;
export type Payment = PaymentList['items'][number];
export type UsageList = GetOk<'/api/v1/subscribers/{msisdn}/usage'>;
export type UsageItem = UsageList['items'][number];
export type TrafficSeries = GetOk<'/api/v1/subscribers/{msisdn}/traffic'>;
export type TrafficDay = TrafficSeries['days'][number];
export type Report = GetOk<'/api/v1/subscribers/{msisdn}/reports'>['items'][number];
export type Bill = GetOk<'/api/v1/subscribers/{msisdn}/bills'>['items'][number];
export type BillLine = Bill['lines'][number];
export type HistoryPage = GetOk<'/api/v1/subscribers/{msisdn}/history'>;
export type HistoryItem = HistoryPage['items'][number];
export type BonusHistoryPage = GetOk<'/api/v1/subscribers/{msisdn}/bonus/history'>;
export type BonusHistoryItem = BonusHistoryPage['items'][number];
export type TicketList = GetOk<'/api/v1/subscribers/{msisdn}/tickets'>;
export type Ticket = TicketList['items'][number];
export type Idea = GetOk<'/api/v1/ideas'>['items'][number];

// ——— Catalog ———
export type CatalogTariff = GetOk<'/api/v1/catalog/tariffs'>['items'][number];
export type CatalogProduct = GetOk<'/api/v1/catalog/products'>['items'][number];
export type Region = GetOk<'/api/v1/catalog/regions'>['items'][number];

// ——— Business portal ———
export type MonthlyReport = GetOk<'/api/v1/business/reports'>['items'][number];
export type ReportSettings = GetOk<'/api/v1/business/reports/settings'>;
export type ContractBill = GetOk<'/api/v1/business/bills'>['items'][number];
export type Overview = GetOk<'/api/v1/business/me'>;
export type NumberList = GetOk<'/api/v1/business/numbers'>;
export type NumberItem = NumberList['items'][number];
export type OrderList = GetOk<'/api/v1/business/orders'>;
export type Order = GetOk<'/api/v1/business/orders/{id}'>;
export type Dashboard = GetOk<'/api/v1/business/analytics'>;
export type BulkOperation = GetOk<'/api/v1/business/bulk-operations/{id}'>;
export type BulkItem = GetOk<'/api/v1/business/bulk-operations/{id}/items'>['items'][number];
export type LimitList = GetOk<'/api/v1/business/limits'>;
export type LimitItem = LimitList['items'][number];
export type Contract = GetOk<'/api/v1/business/contracts'>['items'][number];

// ——— Staff ———
export type PoolRegion = GetOk<'/api/v1/staff/numbers'>['regions'][number];
export type QueuedTicket = GetOk<'/api/v1/staff/tickets'>['items'][number];
export type StaffOrder = GetOk<'/api/v1/staff/business-orders'>['items'][number];
export type AuditEvent = GetOk<'/api/v1/audit'>['items'][number];

// ——— Phone simulator (demo mode) ———
// The relay (/phone/api/…) is mounted by the composition root, outside /api/v1, and is not in the
// generated types (gen-api-types builds the app without those mounts): phone.tsx and phone-voice.tsx
// type its answers themselves. The SMS inbox is an /api/v1 route.
export type DemoSms = GetOk<'/api/v1/demo/sms'>['items'][number];

// ——— Sharing, why the bill changed ———
export type ShareOffer = GetOk<'/api/v1/subscribers/{msisdn}/sharing'>;
export type ShareResult = PostCreated<'/api/v1/subscribers/{msisdn}/sharing'>;
export type BillChange = GetOk<'/api/v1/subscribers/{msisdn}/bill-change'>;
export type Family = GetOk<'/api/v1/subscribers/{msisdn}/family'>;
