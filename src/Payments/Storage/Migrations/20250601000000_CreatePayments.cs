using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Shop.Payments.Storage.Migrations;

/// <summary>Written by hand (no design-time tools here); PaymentsDatabaseTests fails if it drifts from the model.</summary>
[DbContext(typeof(PaymentsDbContext))]
[Migration("20250601000000_CreatePayments")]
public sealed class CreatePayments : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "payments",
            columns: table => new
            {
                id = table.Column<Guid>(type: "uuid", nullable: false),
                idempotency_key = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                order_id = table.Column<Guid>(type: "uuid", nullable: false),
                user_id = table.Column<Guid>(type: "uuid", nullable: true),
                amount_minor = table.Column<long>(type: "bigint", nullable: false),
                currency = table.Column<string>(type: "character(3)", fixedLength: true, maxLength: 3, nullable: false),
                status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                decline_reason = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_payments", x => x.id));

        migrationBuilder.CreateIndex(name: "ix_payments_idempotency_key", table: "payments", column: "idempotency_key", unique: true);
        migrationBuilder.CreateIndex(name: "ix_payments_order_id", table: "payments", column: "order_id");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "payments");
}
