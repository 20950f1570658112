// Names for the API's shapes the screens use, all taken from web/src/api-types.ts (generated from
// the server's OpenAPI document: `npm run gen:api-types`). The web app never imports src/ and
// does not retype an answer the OpenAPI document states.
import type { paths } from './api-types.ts';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of the 200 answer of GET `path`. */
export type GetOk<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? Json<R> : never;

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
export type PaymentList = GetOk<'/api/v1/subscribers/{msisdn}/payments'>;
export type Payment = PaymentList['items'][number];
export type UsageList = GetOk<'/api/v1/subscribers/{msisdn}/usage'>;
export type UsageItem = UsageList['items'][number];
export type TrafficSeries = GetOk<'/api/v1/subscribers/{msisdn}/traffic'>;
export type TrafficDay = TrafficSeries['days'][number];
export type Report = GetOk<'/api/v1/subscribers/{msisdn}/reports'>['items'][number];
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
export type QueueTicket = GetOk<'/api/v1/staff/tickets'>['items'][number];
export type PoolRegion = GetOk<'/api/v1/staff/numbers'>['regions'][number];
