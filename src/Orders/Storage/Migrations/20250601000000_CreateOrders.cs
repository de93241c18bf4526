using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Shop.Orders.Storage.Migrations;

/// <summary>Written by hand (no design-time tools here); OrdersDatabaseTests fails if it drifts from the model.</summary>
[DbContext(typeof(OrdersDbContext))]
[Migration("20250601000000_CreateOrders")]
public sealed class CreateOrders : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "orders",
            columns: table => new
            {
                id = table.Column<Guid>(type: "uuid", nullable: false),
                user_id = table.Column<Guid>(type: "uuid", nullable: false),
                tenant_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                idempotency_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                request_hash = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                total_minor = table.Column<long>(type: "bigint", nullable: false),
                payment_id = table.Column<Guid>(type: "uuid", nullable: true),
                failure_reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                checkout_trace_parent = table.Column<string>(type: "character varying(55)", maxLength: 55, nullable: true),
                checkout_trace_state = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                checkout_baggage = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: true),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_orders", x => x.id));

        migrationBuilder.CreateTable(
            name: "order_lines",
            columns: table => new
            {
                order_id = table.Column<Guid>(type: "uuid", nullable: false),
                line_number = table.Column<int>(type: "integer", nullable: false),
                sku = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                quantity = table.Column<int>(type: "integer", nullable: false),
                unit_price_minor = table.Column<long>(type: "bigint", nullable: false),
                line_total_minor = table.Column<long>(type: "bigint", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("pk_order_lines", x => new { x.order_id, x.line_number });
                table.ForeignKey("fk_order_lines_orders_order_id", x => x.order_id, "orders", "id", onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "outbox_messages",
            columns: table => new
            {
                id = table.Column<Guid>(type: "uuid", nullable: false),
                event_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                order_id = table.Column<Guid>(type: "uuid", nullable: false),
                payload = table.Column<string>(type: "jsonb", nullable: false),
                trace_parent = table.Column<string>(type: "character varying(55)", maxLength: 55, nullable: true),
                trace_state = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                baggage = table.Column<string>(type: "character varying(8192)", maxLength: 8192, nullable: true),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
            },
            constraints: table => table.PrimaryKey("pk_outbox_messages", x => x.id));

        migrationBuilder.CreateIndex(name: "ix_orders_user_id_idempotency_key", table: "orders", columns: ["user_id", "idempotency_key"], unique: true);
        migrationBuilder.CreateIndex(name: "ix_orders_user_id_created_at", table: "orders", columns: ["user_id", "created_at"]);
        migrationBuilder.CreateIndex(name: "ix_orders_pending_created_at", table: "orders", column: "created_at", filter: "status = 'Pending'");
        migrationBuilder.CreateIndex(name: "ix_outbox_messages_unpublished", table: "outbox_messages", column: "id", filter: "published_at IS NULL");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "outbox_messages");
        migrationBuilder.DropTable(name: "order_lines");
        migrationBuilder.DropTable(name: "orders");
    }
}
