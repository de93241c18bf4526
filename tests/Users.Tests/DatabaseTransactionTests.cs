using Shop.Testing;

namespace Shop.Users.Tests;

/// <summary>What a checkout's user lookup costs the users database, counted by PostgreSQL itself (pg_stat_database).</summary>
public sealed class DatabaseTransactionTests(UsersService users) : IClassFixture<UsersService>
{
    private const int Lookups = 10;

    [Fact]
    public async Task Getting_a_user_is_one_transaction()
    {
        var user = await users.Client.CreateAsync("Grace Hopper", $"grace-{Guid.NewGuid():N}@example.com");
        await users.Client.GetAsync(user.Id);
        var before = (await DatabaseTransactions.SettledAsync(users.Database))[0];
        var window = System.Diagnostics.Stopwatch.StartNew();

        for (var i = 0; i < Lookups; i++)
        {
            Assert.Equal(user.Id, (await users.Client.GetAsync(user.Id)).Id);
        }

        // The SELECT, and no connection reset (DISCARD ALL, a transaction of its own) per use of a pooled connection.
        var after = (await DatabaseTransactions.SettledAsync(users.Database))[0];
        Assert.InRange(after - before, Lookups, Lookups + DatabaseTransactions.BackgroundAllowance(window.Elapsed));
    }
}
