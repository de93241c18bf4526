using Shop.Testing;
using Shop.Payments.Storage;

namespace Shop.Payments.Tests;

public sealed class PaymentsDatabaseTests
{
    [Fact]
    public Task Hand_written_migrations_build_the_schema_of_the_model() =>
        DatabaseSchema.AssertMigrationsMatchModelAsync<PaymentsDbContext>(options => new(options));
}
