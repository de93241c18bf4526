using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Shop.TemplateService.Storage.Migrations;

/// <summary>Written by hand (no design-time tools here); the schema test fails if it drifts from the model.</summary>
[DbContext(typeof(TemplateServiceDbContext))]
[Migration("20260101000000_CreateItems")]
public sealed class CreateItems : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "items",
            columns: table => new
            {
                id = table.Column<Guid>(type: "uuid", nullable: false),
                name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
            },
            constraints: table => table.PrimaryKey("pk_items", x => x.id));

        migrationBuilder.CreateIndex(name: "ix_items_name", table: "items", column: "name", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "items");
}
