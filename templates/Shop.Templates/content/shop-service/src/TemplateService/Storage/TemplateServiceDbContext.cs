using Microsoft.EntityFrameworkCore;
using Shop.Data;
using Shop.TemplateService.Items;

namespace Shop.TemplateService.Storage;

/// <summary>The templateservice database: one table of items, unique by name.</summary>
public sealed class TemplateServiceDbContext(DbContextOptions<TemplateServiceDbContext> options) : DbContext(options)
{
    public DbSet<Item> Items => Set<Item>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Item>(item =>
        {
            item.HasKey(i => i.Id);
            item.Property(i => i.Name).HasMaxLength(Item.MaxNameLength);
            item.HasIndex(i => i.Name).IsUnique();
        });
        modelBuilder.UseSnakeCaseNames();
    }
}
