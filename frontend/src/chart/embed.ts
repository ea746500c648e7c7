// The options every chart is embedded with. Vega's own stylesheets would be
// <style> elements, which the browser server's Content-Security-Policy
// refuses (backend/server/guard.go): chart.css styles the embed and its
// tooltips instead.
export const embedStyle = (dark: boolean) => ({
  actions: false,
  defaultStyle: false,
  tooltip: { disableDefaultStyle: true, theme: dark ? ("dark" as const) : ("light" as const) },
});
