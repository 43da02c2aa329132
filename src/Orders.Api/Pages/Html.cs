using System.Net;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Orders.Api.Pages;

// Server-rendered pages: small, readable without JavaScript, every value HTML-encoded.
internal static class Html
{
    // The key recovery page (KeyRecovery), linked from every shop page's footer.
    public const string LicenseRecoveryPath = "/licenses/recover";

    public static string E(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static ContentHttpResult Page(string title, string body, int statusCode = 200, string? head = null) =>
        TypedResults.Content(Layout(title, body, head), "text/html; charset=utf-8", System.Text.Encoding.UTF8, statusCode);

    private static string Layout(string title, string body, string? head) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} · Orders</title>
        {{head}}
        <style>
          body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.5 }
          a { color: #0b57d0 }
          label { display: block; margin-top: 1rem; font-weight: 600 }
          input, select { font: inherit; padding: .4rem; width: 100%; box-sizing: border-box }
          fieldset { margin-top: 1rem; border: 1px solid #ccc }
          fieldset label { display: inline; font-weight: normal }
          fieldset input { width: auto }
          button { font: inherit; margin-top: 1.5rem; padding: .6rem 1.4rem; background: #0b57d0; color: white; border: 0; border-radius: 4px; cursor: pointer }
          .error { color: #b3261e }
          .products li { margin: .5rem 0 }
          .key { font-family: ui-monospace, monospace; background: #f4f4f4; padding: .75rem; word-break: break-all }
          .status { font-size: 1.3rem; font-weight: 700 }
          table td, table th { text-align: left; padding: .2rem 1rem .2rem 0 }
          footer { margin-top: 3rem; border-top: 1px solid #ddd; font-size: .9rem }
        </style>
        </head>
        <body>
        <header><a href="/">Orders</a></header>
        <main>
        {{body}}
        </main>
        <footer><p><a href="{{LicenseRecoveryPath}}" data-testid="recover-link">Lost your license key?</a></p></footer>
        </body>
        </html>
        """;
}
