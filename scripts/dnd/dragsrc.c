// A drag source for the desktop test (scripts/desktop-drop.sh): a small
// window that drags one file, argv[1] as a file:// URI, as text/uri-list,
// as a file manager does; it exits when the drag ends.
#include <gtk/gtk.h>
static const char *uri;
static void get(GtkWidget *w, GdkDragContext *c, GtkSelectionData *d, guint info, guint t, gpointer u) {
  gchar *uris[] = {(gchar *)uri, NULL};
  gtk_selection_data_set_uris(d, uris);
}
static void end(GtkWidget *w, GdkDragContext *c, gpointer u) { gtk_main_quit(); }
int main(int argc, char **argv) {
  gtk_init(&argc, &argv);
  uri = argv[1];
  GtkWidget *win = gtk_window_new(GTK_WINDOW_TOPLEVEL);
  gtk_window_set_title(GTK_WINDOW(win), "dragsrc");
  gtk_window_set_default_size(GTK_WINDOW(win), 120, 120);
  gtk_window_move(GTK_WINDOW(win), 0, 0);
  GtkWidget *b = gtk_event_box_new();
  gtk_container_add(GTK_CONTAINER(win), b);
  GtkTargetEntry t = {"text/uri-list", 0, 0};
  gtk_drag_source_set(b, GDK_BUTTON1_MASK, &t, 1, GDK_ACTION_COPY);
  g_signal_connect(b, "drag-data-get", G_CALLBACK(get), NULL);
  g_signal_connect(b, "drag-end", G_CALLBACK(end), NULL);
  gtk_widget_show_all(win);
  gtk_main();
  return 0;
}
