import type { FastifyInstance } from 'fastify';
import type { ApiScope } from '../../domain/auth/api-keys.ts';
import type { Core } from '../../domain/core.ts';
import { ACCOUNT_BASE, accountManagementRoutes } from './account-management.ts';
import { BILL_BASE, customerBillRoutes } from './customer-bill.ts';
import { installTmfConventions } from './errors.ts';
import { BALANCE_BASE, prepayBalanceRoutes } from './prepay-balance.ts';
import { CATALOG_BASE, productCatalogRoutes } from './product-catalog.ts';
import { INVENTORY_BASE, productInventoryRoutes } from './product-inventory.ts';
import { ORDERING_BASE, productOrderingRoutes } from './product-ordering.ts';
import { PAYMENT_BASE, paymentManagementRoutes } from './payment-management.ts';
import { PAYMENT_METHOD_BASE, paymentMethodRoutes } from './payment-method.ts';
import { PARTY_BASE, partyManagementRoutes } from './party-management.ts';
import { COMMUNICATION_BASE, communicationManagementRoutes } from './communication-management.ts';
import { USAGE_BASE, usageRoutes } from './usage.ts';

type Routes = (scope: FastifyInstance, o: { core: Core; publicUrl?: string }) => Promise<void>;

/**
 * The TM Forum Open API facade (v4) over the same use cases as every other channel. Each API is its
 * own scope under /tmf-api with operator-API-key authentication and TMF error bodies.
 */
export async function tmfApi(app: FastifyInstance, opts: { core: Core; publicUrl?: string }): Promise<void> {
  // Each API's writes need its area's scope on a key limited to some (docs/tmf.md#api-key-scopes).
  const apis: [string, Routes, ApiScope][] = [
    [CATALOG_BASE, productCatalogRoutes, 'catalog:write'],
    [INVENTORY_BASE, productInventoryRoutes, 'product:write'],
    [BALANCE_BASE, prepayBalanceRoutes, 'balance:write'],
    [USAGE_BASE, usageRoutes, 'usage:write'],
    [ORDERING_BASE, productOrderingRoutes, 'product:write'],
    [PAYMENT_BASE, paymentManagementRoutes, 'payment:write'],
    [PAYMENT_METHOD_BASE, paymentMethodRoutes, 'payment:write'],
    [PARTY_BASE, partyManagementRoutes, 'party:write'],
    [COMMUNICATION_BASE, communicationManagementRoutes, 'communication:write'],
    [ACCOUNT_BASE, accountManagementRoutes, 'account:write'],
    [BILL_BASE, customerBillRoutes, 'bill:write'],
  ];
  for (const [prefix, routes, writeScope] of apis) {
    await app.register(
      async (scope) => {
        installTmfConventions(scope, opts.core, writeScope);
        await routes(scope, opts);
      },
      { prefix },
    );
  }
}
