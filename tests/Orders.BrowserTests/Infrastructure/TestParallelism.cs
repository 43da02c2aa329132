// One test at a time. Each class drives its own Chromium against its own service; measured on a
// 2-core machine, running the three classes side by side was no faster (61 s one at a time, 63 s
// side by side: the browsers and services compete for the same cores) and gives every Playwright
// wait less room. (Hangfire is no reason: each service has its own job storage and activator.)
[assembly: CollectionBehavior(DisableTestParallelization = true)]
