using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.Users.Directory;

namespace Shop.Users.Storage;

/// <summary>The users database: one table of users, unique by email.</summary>
public sealed class UsersDbContext(DbContextOptions<UsersDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<User>(user =>
        {
            user.HasKey(u => u.Id);
            user.Property(u => u.Name).HasMaxLength(UserInput.MaxNameLength);
            user.Property(u => u.Email).HasMaxLength(UserInput.MaxEmailLength);
            user.HasIndex(u => u.Email).IsUnique();
        });
        modelBuilder.UseSnakeCaseNames();
    }
}
