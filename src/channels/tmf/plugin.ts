import type { FastifyInstance } from 'fastify';
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
  const apis: [string, Routes][] = [
    [CATALOG_BASE, productCatalogRoutes],
    [INVENTORY_BASE, productInventoryRoutes],
    [BALANCE_BASE, prepayBalanceRoutes],
    [USAGE_BASE, usageRoutes],
    [ORDERING_BASE, productOrderingRoutes],
    [PAYMENT_BASE, paymentManagementRoutes],
    [PAYMENT_METHOD_BASE, paymentMethodRoutes],
    [PARTY_BASE, partyManagementRoutes],
    [COMMUNICATION_BASE, communicationManagementRoutes],
    [ACCOUNT_BASE, accountManagementRoutes],
    [BILL_BASE, customerBillRoutes],
  ];
  for (const [prefix, routes] of apis) {
    await app.register(
      async (scope) => {
        installTmfConventions(scope, opts.core);
        await routes(scope, opts);
      },
      { prefix },
    );
  }
}
