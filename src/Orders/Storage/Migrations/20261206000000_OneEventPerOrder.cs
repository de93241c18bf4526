using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Shop.Orders.Storage.Migrations;

/// <summary>
/// One outbox event per order, enforced by PostgreSQL: completing an order saves its UPDATE and its event as one batch
/// without a transaction of EF Core's, and a second completion must fail in the database (OrderCompletion).
/// Written by hand; OrdersDatabaseTests fails if it drifts from the model.
/// </summary>
[DbContext(typeof(OrdersDbContext))]
[Migration("20261206000000_OneEventPerOrder")]
public sealed class OneEventPerOrder : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.CreateIndex(name: OrdersDbContext.OneEventPerOrderIndex, table: "outbox_messages", column: "order_id", unique: true);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.DropIndex(name: OrdersDbContext.OneEventPerOrderIndex, table: "outbox_messages");
}
