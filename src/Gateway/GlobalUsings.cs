global using Microsoft.AspNetCore.Http.Features;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.Extensions.Options;
